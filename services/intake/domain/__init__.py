"""The receiving site's hall: the guide desk's visits and tickets, and the window's cases."""
