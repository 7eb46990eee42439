"""The HTTPS fronts: gateway routes, EV routes and the admin API, over one model."""
