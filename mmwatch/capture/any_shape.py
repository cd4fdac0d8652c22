"""The careful path of the capture reader: every field's JSON type checked in SQL (DuckDB).

Lines that are not in our writer's shape (`own_shape`) come here: any key
order, lenient where documented (numeric strings as level numbers, extra
level entries ignored; never for `contract_size`, which must be a positive
finite JSON number, and is 1.0 when absent or null). `ok` is false for a line that breaks a rule; the
reader then asks `rules.line_problem` why. The books and trades that are `ok` then pass the door
(`mmwatch.door.rules`), like the fast path's.
"""
from __future__ import annotations

from mmwatch.capture.rules import RECORD_TYPES
from mmwatch.schemas import MARKET_TYPES

_SPEC = ('{"type":"JSON","exchange":"JSON","market_type":"JSON","symbol":"JSON","timestamp":"JSON",'
         '"received_at":"JSON","nonce":"JSON","bids":"DOUBLE[][]","asks":"DOUBLE[][]",'
         '"id":"JSON","price":"JSON","amount":"JSON","side":"JSON","contract_size":"JSON"}')
_INT = "('UBIGINT','BIGINT')"
_NUM = "('UBIGINT','BIGINT','DOUBLE')"


def _text(name: str) -> str:
    return f"case when json_type(r.{name}) = 'VARCHAR' then r.{name} ->> '$' end"


def _optional(name: str, types: str) -> str:
    return f"(r.{name} is null or json_type(r.{name}) in {types})"


def _levels(side: str) -> str:
    return f"list_transform(r.{side}, lambda level: {{'price': level[1], 'amount': level[2]}})"


def _levels_ok(side: str) -> str:
    ok_level = "len(level) >= 2 and level[1] is not null and level[2] is not null"
    return f"(r.{side} is not null and list_bool_and(list_transform(r.{side}, lambda level: {ok_level})) is not false)"


CAREFUL_QUERY = f"""
with parsed as (
    select line_no, try(json_transform(try(decode(line)), '{_SPEC}')) as r from capture_lines
), typed as (
    select line_no, r,
        {_text('type')} as kind, {_text('exchange')} as exchange, {_text('market_type')} as market_type,
        {_text('symbol')} as symbol,
        case when json_type(r.timestamp) in {_INT} then try_cast(r.timestamp as BIGINT) end as exchange_ts,
        case when json_type(r.received_at) in {_INT} then try_cast(r.received_at as BIGINT) end as received_ts,
        case when json_type(r.nonce) in {_INT} then try_cast(r.nonce as BIGINT) end as nonce,
        case when json_type(r.id) = 'VARCHAR' then r.id ->> '$'
             when json_type(r.id) in {_INT} then cast(r.id as VARCHAR) end as trade_id,
        case when json_type(r.price) in {_NUM} then try_cast(r.price as DOUBLE) end as price,
        case when json_type(r.amount) in {_NUM} then try_cast(r.amount as DOUBLE) end as amount,
        {_text('side')} as side,
        case when json_type(r.contract_size) in {_NUM} then try_cast(r.contract_size as DOUBLE) end as contract_size
    from parsed
)
select line_no, kind, exchange, market_type, symbol, exchange_ts, received_ts, nonce,
    {_levels('bids')} as bids, {_levels('asks')} as asks, trade_id, price, amount, side,
    coalesce(contract_size, 1.0) as contract_size,
    coalesce(
        kind in {tuple(RECORD_TYPES)} and exchange <> '' and symbol <> '' and market_type in {tuple(MARKET_TYPES)}
        and received_ts is not null and {_optional('timestamp', "('NULL','UBIGINT','BIGINT')")}
        and (exchange_ts is not null or r.timestamp is null or json_type(r.timestamp) = 'NULL')
        -- absent and null are both SQL NULL here; anything else must be a positive finite number
        and (kind not in ('orderbook', 'trade') or r.contract_size is null
             or (isfinite(contract_size) and contract_size > 0))
        and case kind
            when 'orderbook' then {_levels_ok('bids')} and {_levels_ok('asks')}
                and {_optional('nonce', "('NULL','UBIGINT','BIGINT')")}
                and (nonce is not null or r.nonce is null or json_type(r.nonce) = 'NULL')
            when 'trade' then isfinite(price) and isfinite(amount)
                and {_optional('id', "('NULL','VARCHAR','UBIGINT','BIGINT')")}
                and (side is null or side in ('buy', 'sell')) and {_optional('side', "('NULL','VARCHAR')")}
            else true end,
        false) as ok
from typed
"""
