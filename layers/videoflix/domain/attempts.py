"""How many times the pipeline tries before it gives up, one number per queue.

Each equals its queue's maxReceiveCount: the code fails the video on the attempt SQS delivers
last, before the message goes to the dead-letter queue. bootstrap gives the local queues these
numbers; template.yaml states them as literals (tests/unit/test_template.py compares them).
"""
TRANSCODE_MAX_ATTEMPTS = 3  # a whole transcode (the transcoder's claim counts it)
CHUNK_MAX_ATTEMPTS = 3  # one fan-out job, and the publishing of a run
# The AV1 queue carries AV1 jobs and AV1 chunk jobs (and the joining of the chunks): each is counted
# against this one number, its queue's maxReceiveCount.
AV1_MAX_ATTEMPTS = 3
