"""The staff console (工作台): server-rendered pages in Chinese for each role of a hall, one
console per site. It holds no case data of its own: every page calls the site's services over
their public HTTP APIs with the signed-in person's own token, so every rule the services keep
holds here too."""
