"""Flask extensions shared by every package; each is bound to the app in `core.init_app`."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
limiter = Limiter(get_remote_address)
login_manager = LoginManager()
babel = Babel()
