"""Background work every app shares: the task contract, broker sends that never raise, one run lifecycle.

The lowest layer of the project: it imports no app and no `config`, so `feedback`, `review` and
`training` can all use it without importing each other.
"""
