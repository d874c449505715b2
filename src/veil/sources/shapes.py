"""The flat Arrow schemas of the shapes veil knows: two of users, one of their events.

Nested API JSON is flattened by joining keys with ``_`` and turning camelCase into
snake_case (``location.coordinates.latitude`` → ``location_coordinates_latitude``,
``address.streetName`` → ``address_street_name``). No struct or list leaves a source. Types
are normalised: postcodes are strings, coordinates float64, dates UTC timestamps (ms).

Every field carries a ``description`` in its Arrow metadata; ``veil policy show`` and the
README list them.
"""

from __future__ import annotations

import pyarrow as pa

TS = pa.timestamp("ms", tz="UTC")


def _f(name: str, typ: pa.DataType, doc: str) -> pa.Field:
    return pa.field(name, typ, nullable=True, metadata={"description": doc})


RANDOMUSER = pa.schema(
    [
        _f("gender", pa.string(), "'male' or 'female'"),
        _f("name_title", pa.string(), "title (Mr, Mrs, Ms, Miss, Monsieur…)"),
        _f("name_first", pa.string(), "given name"),
        _f("name_last", pa.string(), "family name"),
        _f("location_street_number", pa.int64(), "house number"),
        _f("location_street_name", pa.string(), "street name"),
        _f("location_city", pa.string(), "city"),
        _f("location_state", pa.string(), "state, region or province"),
        _f("location_country", pa.string(), "country name in English"),
        _f(
            "location_postcode",
            pa.string(),
            "postcode (integer in the API for most nats: text here)",
        ),
        _f("location_coordinates_latitude", pa.float64(), "latitude, degrees"),
        _f("location_coordinates_longitude", pa.float64(), "longitude, degrees"),
        _f("location_timezone_offset", pa.string(), "UTC offset such as '+1:00'"),
        _f("location_timezone_description", pa.string(), "cities in that time zone"),
        _f("email", pa.string(), "e-mail address"),
        _f("login_uuid", pa.string(), "account UUID: the subject id"),
        _f("login_username", pa.string(), "user name"),
        _f("login_password", pa.string(), "clear-text password"),
        _f("login_salt", pa.string(), "password salt"),
        _f("login_md5", pa.string(), "MD5 of salt+password"),
        _f("login_sha1", pa.string(), "SHA-1 of salt+password"),
        _f("login_sha256", pa.string(), "SHA-256 of salt+password"),
        _f("dob_date", TS, "date of birth, UTC"),
        _f("dob_age", pa.int64(), "age in years when the API answered"),
        _f("registered_date", TS, "registration time, UTC"),
        _f("registered_age", pa.int64(), "years since registration when the API answered"),
        _f("phone", pa.string(), "landline number, national format"),
        _f("cell", pa.string(), "mobile number, national format"),
        _f("id_name", pa.string(), "kind of national id (SSN, TFN, INSEE…)"),
        _f("id_value", pa.string(), "national id value (null for some nats)"),
        _f("picture_large", pa.string(), "portrait URL"),
        _f("picture_medium", pa.string(), "portrait URL"),
        _f("picture_thumbnail", pa.string(), "portrait URL"),
        _f(
            "nat",
            pa.string(),
            "nationality code (AU, BR, CA, CH, DE, DK, ES, FI, FR, GB, IE, IN, "
            "IR, MX, NL, NO, NZ, RS, TR, UA, US)",
        ),
    ]
)

FAKERAPI = pa.schema(
    [
        _f("id", pa.int64(), "1-based position in the API response (not a stable id)"),
        _f("firstname", pa.string(), "given name"),
        _f("lastname", pa.string(), "family name"),
        _f("email", pa.string(), "e-mail address"),
        _f("phone", pa.string(), "phone number, E.164-like"),
        _f("birthday", TS, "date of birth, UTC midnight"),
        _f("gender", pa.string(), "'male' or 'female'"),
        _f("address_id", pa.int64(), "meaningless address id from the API"),
        _f("address_street", pa.string(), "full street line"),
        _f("address_street_name", pa.string(), "street name"),
        _f("address_building_number", pa.string(), "building number"),
        _f("address_city", pa.string(), "city"),
        _f("address_zipcode", pa.string(), "postcode"),
        _f("address_country", pa.string(), "country name, localised to the request's locale"),
        _f(
            "address_country_code", pa.string(), "ISO alpha-2 (v2 'country_code', v1 'county_code')"
        ),
        _f("address_latitude", pa.float64(), "latitude, degrees"),
        _f("address_longitude", pa.float64(), "longitude, degrees"),
        _f("website", pa.string(), "personal web site URL"),
        _f("image", pa.string(), "picture URL"),
    ]
)

#: veil's own shape of behavioural events (no public API has it): one row per event of a user,
#: joined to the user by ``login_uuid``; flat already (see ``veil/schemas/events.schema.json``)
EVENTS = pa.schema(
    [
        _f("event_id", pa.string(), "event UUID (random, v4)"),
        _f("login_uuid", pa.string(), "the user's account UUID (as randomuser's): the subject id"),
        _f(
            "event_type",
            pa.string(),
            "page_view, view_item, search, login, logout, add_to_cart, like, checkout, "
            "purchase, share, remove_from_cart or comment",
        ),
        _f("ts", TS, "when the event happened, UTC (after the user's registration)"),
        _f("amount_cents", pa.int64(), "purchase amount in cents (null unless a purchase)"),
        _f("country", pa.string(), "the user's country, English name (as location_country)"),
        _f("device", pa.string(), "'mobile', 'desktop' or 'tablet'"),
        _f("ip", pa.string(), "client IPv4 address (personal data)"),
        _f("user_agent", pa.string(), "browser User-Agent header"),
    ]
)

SHAPES: dict[str, pa.Schema] = {"randomuser": RANDOMUSER, "fakerapi": FAKERAPI, "events": EVENTS}
#: the shapes whose rows are users (the built-in report questions are about users)
USER_SHAPES = ("randomuser", "fakerapi")


def shape_of(schema: pa.Schema) -> str | None:
    """The shape whose columns a schema has (all of them), or None."""
    names = set(schema.names)
    for shape, ref in SHAPES.items():
        if set(ref.names) <= names:
            return shape
    return None
