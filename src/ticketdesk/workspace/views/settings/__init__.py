"""The Settings area of the workspace: configuration pages for admins (the Django admin
stays for emergencies). One module per section; writes go through the owning apps' actions."""
