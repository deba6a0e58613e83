"""Who a campaign is for."""

# The partner types of the vendor's channel programme.
PARTNER_TYPES = ("solution", "sales", "service", "influencer")
