from flask import Blueprint
blueprint = Blueprint("neighbourhood", __name__)
