"""Registers the built-in operators, exactly as a third-party package would."""

from veil.operators import basic, generalize, geo, hashing
from veil.operators.base import register

register("keep", basic.KeepParams, basic.keep)
register("drop", basic.DropParams, basic.drop)
register("redact", basic.RedactParams, basic.redact)
register("mask", basic.MaskParams, basic.mask)
register("hash", hashing.HashParams, hashing.hash_)
register("email_domain", generalize.EmailDomainParams, generalize.email_domain)
register("generalize", generalize.GeneralizeParams, generalize.generalize)
register("geo_fuzz", geo.GeoFuzzParams, geo.geo_fuzz)
