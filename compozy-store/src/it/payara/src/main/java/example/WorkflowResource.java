package example;

import dev.compozy.store.task.TaskState;
import dev.compozy.store.workflow.WorkflowExecution;
import dev.compozy.store.workflow.WorkflowNotFoundException;
import jakarta.inject.Inject;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Application;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** The service over HTTP: run a workflow to completion (or fail after writing it), read it back. */
@Path("workflows/{workflowId}")
@Produces(MediaType.APPLICATION_JSON)
public class WorkflowResource {
    @Inject
    FanOutService service;

    @POST
    public JsonObject run(
            @PathParam("workflowId") String workflowId, @QueryParam("children") @DefaultValue("10") int children) {
        return json(service.runToCompletion(workflowId, children));
    }

    @POST
    @Path("failing")
    public Response runThenFail(
            @PathParam("workflowId") String workflowId, @QueryParam("children") @DefaultValue("10") int children) {
        try {
            return Response.ok(json(service.runThenFail(workflowId, children))).build();
        } catch (IllegalStateException e) {
            return Response.serverError()
                    .entity(Json.createObjectBuilder()
                            .add("error", e.getMessage())
                            .build())
                    .build();
        }
    }

    @GET
    public Response read(@PathParam("workflowId") String workflowId) {
        try {
            return Response.ok(json(service.read(workflowId))).build();
        } catch (WorkflowNotFoundException e) {
            return Response.status(Response.Status.NOT_FOUND).build();
        }
    }

    private static JsonObject json(WorkflowExecution execution) {
        JsonObjectBuilder tasks = Json.createObjectBuilder();
        for (TaskState task : execution.tasks().values()) {
            tasks.add(task.taskId(), task.status().name());
        }
        return Json.createObjectBuilder()
                .add("workflowExecId", execution.workflowExecId())
                .add("status", execution.status().name())
                .add("tasks", tasks)
                .build();
    }

    /** Serves the resource under /api. */
    @ApplicationPath("api")
    public static class Api extends Application {}
}
