"""Alert evaluation over the marts (spec section 6)."""
