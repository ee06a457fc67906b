"""What a request or a job costs as years of cases pile up: each service built by its own
`build()` on a real store, filled with N finished cases through the real domain code, then each
request timed over HTTP (in process, through the ASGI app) and each job called as its scheduler
calls it. The figure to watch is the ratio of each cost at the largest N to its cost at N = 0.

Each service's filler (its module here) says what it fills. The window's runs the domain's own
commands; the others hand the events they would consume (golden samples with fresh ids) to the
service's own handlers as its consumer hands a batch of messages, and run the staff's commands
on the same cases; 500 cases per transaction, so the read tables are kept exactly as in
service. Besides the N finished cases, each store holds a few open ones, so lists are not empty.

    python -m bench.history --sizes 0,10000,100000 [--store postgres] [--services approval,...]
"""
