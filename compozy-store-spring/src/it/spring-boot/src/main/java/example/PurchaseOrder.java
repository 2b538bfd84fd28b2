package example;

import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** The application's own row, written through Spring Data JPA in the same transactions as the store's. */
@Entity
@Table(name = "purchase_orders")
public class PurchaseOrder {
    @Id
    private String id;

    private String workflowExecId;

    protected PurchaseOrder() {}

    public PurchaseOrder(String id, String workflowExecId) {
        this.id = id;
        this.workflowExecId = workflowExecId;
    }

    public String getId() {
        return id;
    }

    public String getWorkflowExecId() {
        return workflowExecId;
    }
}
