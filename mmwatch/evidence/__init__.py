"""Evidence that settles a dispute: the book of a market at any moment (`mmwatch book`) and a pack
per breach episode (`mmwatch evidence`), read from the lake with each source file and row named,
judged by the numbers the marts hold (nothing recomputed: dbt/macros stay the one formula home)."""
