{#-
  Spec units: amounts are base units. The lake keeps the venue's units with the market's
  contract_size beside them (ccxt contractSize), and staging converts, once, so every model
  downstream (depth, slippage, imbalance, executable size, trade volumes, alerts) sees base
  units:
  - linear contracts, and base-unit venues (contract_size 1): base = amount × contract_size;
  - inverse contracts (symbol BASE/QUOTE:BASE, settled in the base currency, contract_size in
    quote units, e.g. Binance COIN-M BTC/USD:BTC 100 USD): base = amount × contract_size / price,
    per level and per trade.
-#}

{#- True for an inverse contract: settled in its own base currency (BTC/USD:BTC). -#}
{%- macro is_inverse(symbol) -%}
  coalesce({{ symbol_settle(symbol) }} = {{ symbol_base(symbol) }}, false)
{%- endmacro -%}

{#- `amount` (venue units) in base units, at `price`. -#}
{%- macro base_amount(amount, price, contract_size, inverse) -%}
  (case when {{ inverse }} then {{ amount }} * {{ contract_size }} / {{ price }}
        else {{ amount }} * {{ contract_size }} end)
{%- endmacro -%}

{#-
  A level list (list<struct<price, amount>>) with its amounts in base units, each level at its
  own price. Lists already in base units (contract_size 1, linear) are passed through untouched.
-#}
{%- macro levels_in_base_units(levels, contract_size, inverse) -%}
  case when not {{ inverse }} and {{ contract_size }} = 1 then {{ levels }}
      else list_transform({{ levels }}, lambda level: {'price': level.price,
          'amount': {{ base_amount('level.amount', 'level.price', contract_size, inverse) }}}) end
{%- endmacro -%}
