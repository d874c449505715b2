"""Registers the built-in operators, exactly as a third-party package would."""

from veil.operators import (
    aggregate,
    basic,
    encrypt,
    fpe,
    generalize,
    geo,
    hashing,
    noise,
    pseudonym,
    shift,
    suppress,
    tokenize,
)
from veil.operators import text as text_ops
from veil.operators.base import register

register("keep", basic.KeepParams, basic.keep)
register("drop", basic.DropParams, basic.drop)
register("redact", basic.RedactParams, basic.redact)
register("mask", basic.MaskParams, basic.mask)
register("hash", hashing.HashParams, hashing.hash_)
register("email_domain", generalize.EmailDomainParams, generalize.email_domain)
register("generalize", generalize.GeneralizeParams, generalize.generalize)
register("geo_fuzz", geo.GeoFuzzParams, geo.geo_fuzz)
register("pseudonym", pseudonym.PseudonymParams, pseudonym.pseudonym)
register("date_shift", shift.DateShiftParams, shift.date_shift)
register("noise", noise.NoiseParams, noise.noise)
register("aggregate", aggregate.AggregateParams, aggregate.aggregate)
register("geo_snap", geo.GeoSnapParams, geo.geo_snap)
register("geohash", geo.GeohashParams, geo.geohash)
register("suppress", suppress.SuppressParams, suppress.suppress)
register("fpe", fpe.FpeParams, fpe.fpe)
register("tokenize", tokenize.TokenizeParams, tokenize.tokenize)
register("encrypt", encrypt.EncryptParams, encrypt.encrypt)
register("redact_text", text_ops.RedactTextParams, text_ops.redact_text)
