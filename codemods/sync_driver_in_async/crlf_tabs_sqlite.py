# PO208 in a file written with CRLF line endings, tabs and single quotes.
import sqlite3

from fastapi import FastAPI

app = FastAPI()


# fires: sqlite3 in an async handler
@app.get('/tags')
async def tags():
	conn = sqlite3.connect('tags.db')
	return conn.execute('SELECT label FROM tags').fetchall()
