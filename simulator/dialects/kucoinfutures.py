"""placeholder"""
from simulator.dialects.common import Router
ROUTER = Router({})
def handle(ctx, route, query): raise NotImplementedError
def too_many(verdict, ip): raise NotImplementedError
