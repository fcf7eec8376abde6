# PO206 in a file written with CRLF line endings, tabs and single quotes.
from beanie import Document
from fastapi import FastAPI

app = FastAPI()


class Ticket(Document):
	queue: str
	closed: bool = False


# fires: the count keeps the filter
@app.get('/queues/{queue}/open')
async def open_tickets(queue: str):
	# tickets still open in the queue
	open_count = len(await Ticket.find(Ticket.queue == queue, Ticket.closed == False).to_list())  # noqa: E712
	return {'queue': queue, 'open': open_count}
