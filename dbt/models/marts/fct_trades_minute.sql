{{ day_partitioned_incremental('minute', 'minute', timestamp=true) }}
-- Spec §4 trade flow per market per UTC minute of the built day(s).
{{ trade_aggregates(ref('int_trades_usd_rated'), 'time_bucket(interval 1 minute, epoch_ms(ts))', 'minute',
                    refresh=in_refresh('ts', 'minute')) }}
