"""WebSocket dialects, one module per venue (ccxt id); the interface is in simulator.streams."""
