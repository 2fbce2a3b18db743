"""Real-browser CORS scenarios (headless Chromium via Selenium); run with ``-m browser``."""
