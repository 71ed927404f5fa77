"""The web side of kg: the Flask app factory (`kg.web.app.create_app`) and what it serves.

Nothing is imported here, so that `kg --help` and the other commands, which import
`kg.web.command` to register `serve`, do not load Flask.
"""
