-- The search index takes each message's words as the message is stored, rather than in a
-- pending list that some later insert has to merge into the index all at once (GIN's
-- `fastupdate`): that merge, hundreds of milliseconds while the writer's batch waits, is
-- what a deployment without autovacuum's help sees as a stall of every room at once.
-- The words go in a few per message, so storing costs about the same on average.
ALTER INDEX messages_search SET (fastupdate = off);
