"""Keys: the keyring that every keyed operator and the encrypted sinks derive from."""

from veil.keys.keyring import Keyring, load_keyring

__all__ = ["Keyring", "load_keyring"]
