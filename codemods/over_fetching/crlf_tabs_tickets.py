from beanie import Document
from fastapi import APIRouter

router = APIRouter()


class Ticket(Document):
	title: str
	body: str  # long text
	priority: int = 3


@router.get("/tickets/titles")
async def titles():
	# only the titles and priorities
	tickets = await Ticket.find(Ticket.priority < 3).to_list()
	return [{"title": t.title, "priority": t.priority} for t in tickets]
