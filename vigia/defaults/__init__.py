"""The files a new campaign starts from: demands, sources, deployments and environment.

In the repository these are links to the files at its top level; a built wheel carries copies.
"""
