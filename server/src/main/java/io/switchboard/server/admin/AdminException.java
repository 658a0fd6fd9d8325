package io.switchboard.server.admin;

import io.netty.handler.codec.http.HttpResponseStatus;

/** A request the admin API answers with an error status and a JSON body {@code {"error": ..., "status": ...}}. */
class AdminException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient HttpResponseStatus status;

    AdminException(HttpResponseStatus status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    HttpResponseStatus status() {
        return status;
    }

    static AdminException badRequest(String message) {
        return new AdminException(HttpResponseStatus.BAD_REQUEST, message);
    }

    static AdminException notFound(String message) {
        return new AdminException(HttpResponseStatus.NOT_FOUND, message);
    }
}
