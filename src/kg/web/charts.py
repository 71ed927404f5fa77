from flask import Blueprint
blueprint = Blueprint("charts", __name__)
