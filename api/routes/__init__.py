"""The app's routers, one module per topic; `pages` renders the HTML the planners browse."""
