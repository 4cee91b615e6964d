from django.urls import path

from .views import account, csat, embed, tickets

app_name = "portal"
urlpatterns = [
    path("", tickets.home, name="home"),
    path("login/", account.login_view, name="login"),
    path("login/link/", account.login_link_request, name="login_link_request"),
    path("login/link/<str:token>/", account.login_link, name="login_link"),
    path("signup/", account.signup, name="signup"),
    path("verify/<str:token>/", account.verify, name="verify"),
    path("language/", account.set_language, name="set_language"),
    path("new/", tickets.choose_type, name="choose_type"),
    path("new/<slug:type_key>/", tickets.new_ticket, name="new_ticket"),
    path("suggest/", tickets.suggest, name="suggest"),
    path("deflect/<int:article_id>/", tickets.deflect, name="deflect"),
    path("tickets/", tickets.ticket_list, name="tickets"),
    path("tickets/<int:number>/", tickets.ticket_detail, name="ticket"),
    path("tickets/<int:number>/reply/", tickets.ticket_reply, name="reply"),
    path("tickets/<int:number>/status/", tickets.ticket_status, name="ticket_status"),
    path("tickets/<int:number>/rate/", csat.rate_from_portal, name="rate_from_portal"),
    path("attachments/<int:attachment_id>/", tickets.attachment_download, name="attachment"),
    path("rate/<str:token>/", csat.rate, name="rate"),
    path("embed/", embed.embed_form, name="embed"),
    path("embed/snippet/", embed.embed_snippet, name="embed_snippet"),
    path("embed.js", embed.embed_script, name="embed_js"),
]
