# PO205 in a file written with CRLF line endings, tabs and single quotes.
from beanie import Document
from fastapi import FastAPI, Query

app = FastAPI()


class Order(Document):
	customer: str
	total: float


# fires: `Query` is imported already; the quotes of the response follow the file
@app.get('/orders')
async def list_orders(customer: str = Query(min_length=1)):
	# every order of the customer
	orders = await Order.find(Order.customer == customer).to_list()
	return orders
