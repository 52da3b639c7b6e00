from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from reform.access import is_principal


@login_required
def home(request):
    if is_principal(request.user):  # a principal's landing page is their school's months
        return redirect("metrics:entry-home")
    return render(request, "metrics/home.html", {})
