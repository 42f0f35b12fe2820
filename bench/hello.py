"""The ceiling for bench/run.sh: a bare Flask "hello world", served by gunicorn with exactly the
settings the portal gets, so each page's req/s can be read as a share of what this machine, this
gunicorn configuration and Flask itself allow.

    .venv/bin/gunicorn --pythonpath bench hello:app
"""
from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello():
    return "Hello, World!"
