"""The partner programme: certifications of partners' people, the competencies partners hold,
and tier changes with their history (upgrades at once, downgrades after notice)."""
