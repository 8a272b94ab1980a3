"""The one engine interface, its embedded backend, the killable executor and query policy."""
