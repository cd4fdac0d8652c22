"""The lake: the one definition of every landing and lake table (`tables`), the pandera checks
built from it (`validation`) and the dbt files generated from it (`dbt_files`)."""
