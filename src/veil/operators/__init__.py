"""Operators: vectorised, keyed transformations of Arrow arrays, one registry for all."""

from veil.operators.base import OpContext, OperatorSpec, OpFunc, OpParams, get, register, registry

__all__ = ["OpContext", "OpFunc", "OpParams", "OperatorSpec", "get", "register", "registry"]
