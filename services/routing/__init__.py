"""Routing (路由与交换): where a case goes, and the exchange that carries events to its parties."""
