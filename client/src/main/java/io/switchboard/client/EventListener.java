package io.switchboard.client;

/** Receives events; runs on the client's listener executor (see {@link ClientOptions.Builder#listenerExecutor}). */
@FunctionalInterface
public interface EventListener {
    void onEvent(ReceivedEvent event);
}
