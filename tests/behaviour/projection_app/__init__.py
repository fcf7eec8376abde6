"""Shop reports for PO203's behaviour test: `models.py` declares the models, `main.py` the routes."""
