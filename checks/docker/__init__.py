"""Docker: the engine, its resources, Docker Desktop's settings, the home volume.

What other areas may use is exported here (nothing yet); the modules behind it are this
area's own.
"""
