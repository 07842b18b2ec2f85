"""A stateful fake of the Workfront Environment Promotion API (both profiles).

``core.Simulator`` holds the rules; ``app.build_app`` serves them over HTTP;
``server.serve_in_thread`` and ``embedded.embedded_transport`` are the two ways to run it.
"""
