# PO202 in a file written with CRLF line endings, tabs and single quotes.
from beanie import Document
from fastapi import FastAPI

app = FastAPI()


class Ticket(Document):
	assignee: str  # who works on it
	priority: int = 3


@app.get('/tickets')
async def tickets(assignee: str):
	return await Ticket.find(Ticket.assignee == assignee).sort('-priority').to_list()
