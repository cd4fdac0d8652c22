{#- base / quote / settle of a ccxt unified symbol `BASE/QUOTE` or `BASE/QUOTE:SETTLE`. -#}
{%- macro symbol_base(symbol) -%} split_part({{ symbol }}, '/', 1) {%- endmacro -%}
{%- macro symbol_quote(symbol) -%} split_part(split_part({{ symbol }}, '/', 2), ':', 1) {%- endmacro -%}
{%- macro symbol_settle(symbol) -%} nullif(split_part({{ symbol }}, ':', 2), '') {%- endmacro -%}
