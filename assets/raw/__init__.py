"""Raw lake assets: landing files -> validated lake Parquet, partitioned by UTC day x exchange."""
