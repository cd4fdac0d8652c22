"""Market-data assets: the slower data sets fetched on schedules (tickers, funding, open interest, long/short, fund flow, contract stats, candles)."""
