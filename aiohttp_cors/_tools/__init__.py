"""The tools (internal): the browser model, the CORS doctor, the demo and the command line.

They judge the plugin from outside, as a browser does, so they use only the core's
header grammar and the package's public names, never the plugin's decisions.
"""
