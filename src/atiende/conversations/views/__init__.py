"""The agent inbox's views: thin wrappers that read a request, call an action or a query, and
render a page or an htmx fragment. Modules: auth (sign-in), inbox (lists and counts),
conversation (the page, its fragments and actions), attachments (downloads)."""
