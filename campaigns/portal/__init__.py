"""The partner portal: magic-link sign-in, the partner's campaigns and kits, the brand editor, contacts."""

from flask import Flask


def init_app(app: Flask) -> None:
    from campaigns.portal.routes import bp

    app.register_blueprint(bp)
