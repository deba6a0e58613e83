"""Email plumbing with no domain words: addresses, per-recipient placeholders, transports."""
