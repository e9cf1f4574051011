"""trtrepo's benchmarks: speed and memory targets, measured on this machine (``make bench``).

Speed targets live here and never in the timed test suite: a loaded CI machine must not fail tests.
"""
