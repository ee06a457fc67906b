"""The site directory and the matter catalogue (事项目录), as validated data shared by every
service. Routing owns their use for decisions; intake reads them to triage and open cases."""

from services.directory.loader import CatalogueError, load_directory
from services.directory.models import Directory, Location, Material, Matter, Site, Window

__all__ = ["CatalogueError", "Directory", "Location", "Material", "Matter", "Site", "Window",
           "load_directory"]
